# SPDX-License-Identifier: MIT
# Install rules, the exported CMake package, pkg-config files and the Debian packages.
#   satori-shim     (GPL-2.0-only)  libsatori_shim.so.1 and the satori tool: what a distribution ships
#   satori-dev      (headers: syscall-note OR MIT; SDK: MIT) headers, CMake package, pkg-config
#   satori-plugins  (MIT)           the plugins
include(CMakePackageConfigHelpers)

set(SATORI_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/Satori")

install(TARGETS satori_shim EXPORT SatoriTargets
  LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT shim NAMELINK_COMPONENT dev)
install(TARGETS satori_abi satori_sdk EXPORT SatoriTargets COMPONENT dev)
install(DIRECTORY "${PROJECT_SOURCE_DIR}/abi/include/satori" DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
  COMPONENT dev FILES_MATCHING PATTERN "*.h")
install(DIRECTORY "${PROJECT_SOURCE_DIR}/sdk/include/satori" DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
  COMPONENT dev FILES_MATCHING PATTERN "*.hpp")
if(TARGET satori)
  install(TARGETS satori RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT shim)
endif()
foreach(plugin IN ITEMS heartbeat storvsc netvsc inputvsc)
  if(TARGET ${plugin})
    install(TARGETS ${plugin} LIBRARY DESTINATION "${SATORI_INSTALL_PLUGINDIR}" COMPONENT plugins)
  endif()
endforeach()

install(EXPORT SatoriTargets NAMESPACE Satori:: DESTINATION "${SATORI_INSTALL_CMAKEDIR}" COMPONENT dev)
configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/SatoriConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/SatoriConfig.cmake"
  INSTALL_DESTINATION "${SATORI_INSTALL_CMAKEDIR}"
  PATH_VARS SATORI_INSTALL_PLUGINDIR)
write_basic_package_version_file("${PROJECT_BINARY_DIR}/SatoriConfigVersion.cmake"
  VERSION "${PROJECT_VERSION}" COMPATIBILITY SameMajorVersion)
install(FILES "${PROJECT_BINARY_DIR}/SatoriConfig.cmake" "${PROJECT_BINARY_DIR}/SatoriConfigVersion.cmake"
  "${PROJECT_SOURCE_DIR}/sdk/cmake/SatoriPlugin.cmake" "${PROJECT_SOURCE_DIR}/sdk/cmake/satori-plugin.map"
  DESTINATION "${SATORI_INSTALL_CMAKEDIR}" COMPONENT dev)

file(RELATIVE_PATH SATORI_PC_TO_PREFIX "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
configure_file("${PROJECT_SOURCE_DIR}/cmake/satori.pc.in" "${PROJECT_BINARY_DIR}/satori.pc" @ONLY)
configure_file("${PROJECT_SOURCE_DIR}/cmake/satori-shim.pc.in" "${PROJECT_BINARY_DIR}/satori-shim.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/satori.pc" "${PROJECT_BINARY_DIR}/satori-shim.pc"
  DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig" COMPONENT dev)

# Debian copyright files, one per package (the license of what the package holds)
install(FILES "${PROJECT_SOURCE_DIR}/packaging/copyright.shim"
  DESTINATION "${CMAKE_INSTALL_DATAROOTDIR}/doc/satori-shim" RENAME copyright COMPONENT shim)
install(FILES "${PROJECT_SOURCE_DIR}/packaging/copyright.dev"
  DESTINATION "${CMAKE_INSTALL_DATAROOTDIR}/doc/satori-dev" RENAME copyright COMPONENT dev)
install(FILES "${PROJECT_SOURCE_DIR}/packaging/copyright.plugins"
  DESTINATION "${CMAKE_INSTALL_DATAROOTDIR}/doc/satori-plugins" RENAME copyright COMPONENT plugins)

set(CPACK_PACKAGE_NAME "satori")
set(CPACK_PACKAGE_VENDOR "Satori developers")
set(CPACK_PACKAGE_CONTACT "Satori developers <dev@satori.invalid>")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Hyper-V VMBus drivers outside the GPL")
set(CPACK_GENERATOR "DEB")
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL shim dev plugins)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "devel")
set(CPACK_DEBIAN_SHIM_PACKAGE_NAME "satori-shim")
set(CPACK_DEBIAN_SHIM_PACKAGE_SECTION "admin")
set(CPACK_COMPONENT_SHIM_DESCRIPTION "Satori GPL shim: libsatori_shim.so.1 and the satori tool (GPL-2.0-only)")
set(CPACK_DEBIAN_SHIM_PACKAGE_SHLIBDEPS OFF)
set(CPACK_DEBIAN_SHIM_PACKAGE_DEPENDS "libc6, libstdc++6")
set(CPACK_DEBIAN_DEV_PACKAGE_NAME "satori-dev")
set(CPACK_COMPONENT_DEV_DESCRIPTION "Satori ABI headers, C++ SDK, CMake package and pkg-config files")
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "satori-shim (= ${PROJECT_VERSION})")
set(CPACK_DEBIAN_PLUGINS_PACKAGE_NAME "satori-plugins")
set(CPACK_COMPONENT_PLUGINS_DESCRIPTION "Satori VMBus plugins: heartbeat, storage, network, input (MIT)")
set(CPACK_DEBIAN_PLUGINS_PACKAGE_DEPENDS "satori-shim (>= ${PROJECT_VERSION}), satori-shim (<< 2)")
set(CPACK_PACKAGE_DIRECTORY "${PROJECT_BINARY_DIR}/packages")
include(CPack)
