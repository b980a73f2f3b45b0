# SPDX-License-Identifier: MIT
# satori_fuzz_seeds: writes the seed corpora (fuzz/corpus/<target>/) from the real protocol
# headers. `scripts/fuzz --seeds` runs it; its output is what is committed.
add_executable(satori_fuzz_seeds "${CMAKE_CURRENT_LIST_DIR}/gen_seeds.cpp")
target_include_directories(satori_fuzz_seeds PRIVATE
  "${PROJECT_SOURCE_DIR}/shim_gpl/core" "${PROJECT_SOURCE_DIR}/shim_gpl/services/blk"
  "${PROJECT_SOURCE_DIR}/sim/src")
target_link_libraries(satori_fuzz_seeds PRIVATE Satori::abi satori_sim)
target_include_directories(satori_fuzz_seeds PRIVATE "${PROJECT_SOURCE_DIR}/sim/include")
set_target_properties(satori_fuzz_seeds PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/fuzz")
