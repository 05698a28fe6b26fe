# What `cmake --install` puts where (GNUInstallDirs), by component:
#   core        bin/tachyon (core/CMakeLists.txt), the man page, a sample tachyon.ini
#   sdk         include/tachyon/*.h, the CMake package Tachyon, pkg-config
#               tachyon-plugin, ABI.md and the example plugin's sources
#   plugin-NAME lib/tachyon/plugins/NAME.so (tachyon_add_plugin)
include(CMakePackageConfigHelpers)

# The SDK is versioned by the plugin ABI, read from the header so there is
# exactly one place that defines it.
file(STRINGS "${CMAKE_SOURCE_DIR}/sdk/include/tachyon/plugin.h" _tachyon_abi_lines
     REGEX "^#define TACHYON_ABI_(VERSION|MINOR) +[0-9]+")
string(REGEX MATCH "TACHYON_ABI_VERSION +([0-9]+)" _unused "${_tachyon_abi_lines}")
set(TACHYON_ABI_MAJOR "${CMAKE_MATCH_1}")
string(REGEX MATCH "TACHYON_ABI_MINOR +([0-9]+)" _unused "${_tachyon_abi_lines}")
set(TACHYON_ABI_MINOR "${CMAKE_MATCH_1}")
if(TACHYON_ABI_MAJOR STREQUAL "" OR TACHYON_ABI_MINOR STREQUAL "")
  message(FATAL_ERROR "cannot read TACHYON_ABI_VERSION/TACHYON_ABI_MINOR from plugin.h")
endif()

set(TACHYON_CMAKE_PACKAGE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/Tachyon")
set(_tachyon_sdk_out "${CMAKE_BINARY_DIR}/sdk-install")

# Public headers.
install(DIRECTORY "${CMAKE_SOURCE_DIR}/sdk/include/tachyon"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}" COMPONENT sdk
        FILES_MATCHING PATTERN "*.h")

# CMake package: Tachyon::sdk, tachyon_add_plugin(), version by ABI.
set_target_properties(tachyon_sdk PROPERTIES EXPORT_NAME sdk)
install(TARGETS tachyon_sdk EXPORT TachyonTargets COMPONENT sdk)
install(EXPORT TachyonTargets NAMESPACE Tachyon::
        DESTINATION "${TACHYON_CMAKE_PACKAGE_DIR}" COMPONENT sdk)
configure_package_config_file(
  "${CMAKE_SOURCE_DIR}/sdk/cmake/TachyonConfig.cmake.in"
  "${_tachyon_sdk_out}/TachyonConfig.cmake"
  INSTALL_DESTINATION "${TACHYON_CMAKE_PACKAGE_DIR}"
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR TACHYON_INSTALL_PLUGINDIR)
write_basic_package_version_file(
  "${_tachyon_sdk_out}/TachyonConfigVersion.cmake"
  VERSION "${TACHYON_ABI_MAJOR}.${TACHYON_ABI_MINOR}"
  COMPATIBILITY SameMajorVersion)
install(FILES
          "${_tachyon_sdk_out}/TachyonConfig.cmake"
          "${_tachyon_sdk_out}/TachyonConfigVersion.cmake"
          "${CMAKE_SOURCE_DIR}/sdk/cmake/TachyonPlugin.cmake"
        DESTINATION "${TACHYON_CMAKE_PACKAGE_DIR}" COMPONENT sdk)

# pkg-config: the prefix is relative to the .pc file's own directory.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  message(FATAL_ERROR "tachyon's SDK files are relocatable: CMAKE_INSTALL_LIBDIR and "
                      "CMAKE_INSTALL_INCLUDEDIR must be relative to the prefix")
endif()
file(RELATIVE_PATH TACHYON_PC_RELATIVE_PREFIX "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
string(REGEX REPLACE "/$" "" TACHYON_PC_RELATIVE_PREFIX "${TACHYON_PC_RELATIVE_PREFIX}")
configure_file("${CMAKE_SOURCE_DIR}/sdk/tachyon-plugin.pc.in"
               "${_tachyon_sdk_out}/tachyon-plugin.pc" @ONLY)
install(FILES "${_tachyon_sdk_out}/tachyon-plugin.pc"
        DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig" COMPONENT sdk)

# SDK documentation and the example plugin, buildable from the installed copy.
install(FILES "${CMAKE_SOURCE_DIR}/sdk/ABI.md"
        DESTINATION "${CMAKE_INSTALL_DOCDIR}/sdk" COMPONENT sdk)
install(DIRECTORY "${CMAKE_SOURCE_DIR}/sdk/examples"
        DESTINATION "${CMAKE_INSTALL_DOCDIR}/sdk" COMPONENT sdk)

# The man page and a sample configuration (all commented out, so installing
# it changes nothing until an administrator copies it to the site file).
install(FILES "${CMAKE_SOURCE_DIR}/doc/tachyon.1"
        DESTINATION "${CMAKE_INSTALL_MANDIR}/man1" COMPONENT core)
install(FILES "${CMAKE_SOURCE_DIR}/doc/tachyon.ini"
        DESTINATION "${CMAKE_INSTALL_DOCDIR}" RENAME tachyon.ini.example COMPONENT core)
