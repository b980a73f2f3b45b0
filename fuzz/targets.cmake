# SPDX-License-Identifier: MIT
# One line per fuzz target (see CMakeLists.txt for satori_fuzz_target). A new target is
# targets/<name>.cpp + one line here + (optionally) seeds in corpus/<name>/.
satori_fuzz_target(ring_read SOURCES ring_read.cpp LIBS satori_core)
satori_fuzz_target(vmbus_msg SOURCES vmbus_msg.cpp LIBS satori_core)
satori_fuzz_target(nbd_server SOURCES nbd_server.cpp
  LIBS satori_shim_static satori_sim ${CMAKE_DL_LIBS} DEPENDS test_plugin_ramdisk
  INCLUDES "${PROJECT_SOURCE_DIR}/tests"
  DEFINES SATORI_BLK_RAMDISK_PLUGIN="$<TARGET_FILE:test_plugin_ramdisk>" SATORI_NBDINFO=""
          SATORI_NBDCOPY="" SATORI_QEMU_IMG="" SATORI_FIO="")
satori_fuzz_target(storvsp_packet SOURCES storvsp_packet.cpp LIBS satori_sim
  INCLUDES "${PROJECT_SOURCE_DIR}/sim/src")
satori_fuzz_target(sim_server SOURCES sim_server.cpp LIBS satori_sim NO_TSAN)
satori_fuzz_target(storvsc_packet SOURCES storvsc_packet.cpp LIBS satori_storvsc_objs Satori::sdk
  INCLUDES "${PROJECT_SOURCE_DIR}/tests")
satori_fuzz_target(disk_image SOURCES disk_image.cpp LIBS satori_sim)
