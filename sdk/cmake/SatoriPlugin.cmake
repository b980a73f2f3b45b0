# SPDX-License-Identifier: MIT
# satori_add_plugin(<target> SOURCES <src>... [OUTPUT_DIRECTORY <dir>])
#
# Builds a Satori plugin: a MODULE library with no "lib" prefix, hidden symbols, exactly one
# export (satori_plugin_entry, via satori-plugin.map) and nothing left undefined at link time
# (-z defs), linked against Satori::sdk only — never against the shim.
function(satori_add_plugin target)
  # This file's directory, wherever the function is called from (a directory-scoped variable
  # set at include time would be empty in sibling directories such as samples/).
  set(_SATORI_PLUGIN_CMAKE_DIR "${CMAKE_CURRENT_FUNCTION_LIST_DIR}")
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "OUTPUT_DIRECTORY" "SOURCES")
  add_library(${target} MODULE ${ARG_SOURCES} ${ARG_UNPARSED_ARGUMENTS})
  target_link_libraries(${target} PRIVATE Satori::sdk)
  target_compile_features(${target} PRIVATE cxx_std_20)
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LINK_DEPENDS "${_SATORI_PLUGIN_CMAKE_DIR}/satori-plugin.map")
  if(ARG_OUTPUT_DIRECTORY)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIRECTORY}")
  elseif(DEFINED SATORI_PLUGIN_OUTPUT_DIR)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${SATORI_PLUGIN_OUTPUT_DIR}")
  endif()
  target_link_options(${target} PRIVATE
    "LINKER:--version-script=${_SATORI_PLUGIN_CMAKE_DIR}/satori-plugin.map"
    "LINKER:-z,defs")
endfunction()
