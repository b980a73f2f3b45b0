# SPDX-License-Identifier: MIT
# cmake -DDOXYGEN=exe -DDOXYFILE_IN=Doxyfile.in -DSRC=source-dir -DWORK=dir
#       -P test_doxygen_gate.cmake
# Proves the documentation gate: a copy of the ABI headers with one undocumented struct member
# added must make run_doxygen.cmake fail and name the member; the unmodified copy must pass.
foreach(var DOXYGEN DOXYFILE_IN SRC WORK)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "test_doxygen_gate.cmake: -D${var}=... is required")
  endif()
endforeach()

function(run_gate name out_rc out_text)
  set(PROJECT_VERSION 0.0.0)
  set(PROJECT_SOURCE_DIR "${WORK}/${name}")
  set(DOXYGEN_OUT "${WORK}/${name}/out")
  set(DOXYGEN_LOG "${WORK}/${name}/warnings.log")
  set(DOXYGEN_WARN_AS_ERROR NO)
  configure_file("${DOXYFILE_IN}" "${WORK}/${name}/Doxyfile" @ONLY)
  execute_process(
    COMMAND "${CMAKE_COMMAND}" -DDOXYGEN=${DOXYGEN} -DDOXYFILE=${WORK}/${name}/Doxyfile
            -DOUT=${DOXYGEN_OUT} -DLOG=${DOXYGEN_LOG}
            -P "${CMAKE_CURRENT_LIST_DIR}/run_doxygen.cmake"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(${out_rc} "${rc}" PARENT_SCOPE)
  set(${out_text} "${out}${err}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${WORK}")
foreach(name clean mutant)
  # The ABI headers only: the SDK may list headers still being written (SATORI_DOCS_PENDING).
  file(COPY "${SRC}/abi/include/satori" DESTINATION "${WORK}/${name}/abi/include")
  file(MAKE_DIRECTORY "${WORK}/${name}/sdk/include/satori")
endforeach()

set(hdr "${WORK}/mutant/abi/include/satori/guid.h")
file(READ "${hdr}" text)
string(REPLACE "struct satori_guid {\n"
               "struct satori_guid {\n    uint32_t satori_gate_probe_member;\n" mutated "${text}")
if(mutated STREQUAL text)
  message(FATAL_ERROR "the edit did not apply: struct satori_guid changed; update the anchor")
endif()
file(WRITE "${hdr}" "${mutated}")

run_gate(clean rc text)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the unmodified ABI headers fail the documentation gate:\n${text}")
endif()
run_gate(mutant rc text)
if(rc EQUAL 0)
  message(FATAL_ERROR "an undocumented ABI member passed the documentation gate")
endif()
if(NOT text MATCHES "satori_gate_probe_member")
  message(FATAL_ERROR "the gate failed, but not because of the undocumented member:\n${text}")
endif()
message(STATUS "documentation gate: clean headers pass, an undocumented member fails")
