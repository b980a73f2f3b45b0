# SPDX-License-Identifier: MIT
# The release gate in the build (docs/release.md).
#   SATORI_PLUGIN_TARGETS   every plugin built here: the MODULE libraries defined under plugins/
#                           and samples/ (new plugins are picked up without editing this file);
#                           tests/gpl_line runs `satori check-plugin` over each.
#   abi-check               `cmake --build build --target abi-check`: `satori abi-check` of this
#                           build's shim and the source tree's headers against the newest
#                           abi/baselines/<x.y>. Baselines are written only by scripts/abi-baseline.
# Included from the top-level CMakeLists.txt after plugins/, samples/ and tools/, before tests/.

function(_satori_collect_modules dir out)
  set(found "")
  get_property(targets DIRECTORY "${dir}" PROPERTY BUILDSYSTEM_TARGETS)
  foreach(t IN LISTS targets)
    get_target_property(type ${t} TYPE)
    if(type STREQUAL "MODULE_LIBRARY")
      list(APPEND found ${t})
    endif()
  endforeach()
  get_property(subdirs DIRECTORY "${dir}" PROPERTY SUBDIRECTORIES)
  foreach(sub IN LISTS subdirs)
    _satori_collect_modules("${sub}" sub_found)
    list(APPEND found ${sub_found})
  endforeach()
  set(${out} "${found}" PARENT_SCOPE)
endfunction()

set(SATORI_PLUGIN_TARGETS "")
foreach(_satori_dir IN ITEMS plugins samples)
  if(EXISTS "${PROJECT_SOURCE_DIR}/${_satori_dir}/CMakeLists.txt")
    _satori_collect_modules("${PROJECT_SOURCE_DIR}/${_satori_dir}" _satori_found)
    list(APPEND SATORI_PLUGIN_TARGETS ${_satori_found})
  endif()
endforeach()
list(REMOVE_DUPLICATES SATORI_PLUGIN_TARGETS)

if(TARGET satori AND TARGET satori_shim)
  add_custom_target(abi-check
    COMMAND "$<TARGET_FILE:satori>" abi-check --root "${PROJECT_SOURCE_DIR}"
            --shim "$<TARGET_FILE:satori_shim>" --work "${PROJECT_BINARY_DIR}/abi-check"
    DEPENDS satori satori_shim
    WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}"
    COMMENT "ABI gate: satori abi-check against the newest abi/baselines/<x.y>"
    USES_TERMINAL VERBATIM)
endif()
