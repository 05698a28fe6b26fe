# CPack: one package per component, so a plugin is installed (and removed)
# on its own.
#   cpack --config CPackConfig.cmake -G DEB
# makes tachyon-core, tachyon-sdk and tachyon-plugin-NAME for every plugin
# built with tachyon_add_plugin(). Every plugin package depends on
# tachyon-core of the same version; shared library dependencies
# (libjansson4, libiniparser1, ...) come from dpkg-shlibdeps.
#
# Packages are laid out for prefix /usr. Configure with
# -DCMAKE_INSTALL_PREFIX=/usr for packages so that the compiled-in site file
# is /etc/tachyon.ini (the binary finds its plugins relative to itself, so
# those work either way).
set(TACHYON_PACKAGE_CONTACT "tachyon maintainers <tachyon@localhost>"
    CACHE STRING "Maintainer field of the generated packages")

set(CPACK_PACKAGE_NAME "tachyon")
set(CPACK_PACKAGE_VENDOR "tachyon")
set(CPACK_PACKAGE_CONTACT "${TACHYON_PACKAGE_CONTACT}")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
if(NOT CPACK_GENERATOR)
  set(CPACK_GENERATOR "DEB")
endif()

get_property(_tachyon_plugin_components GLOBAL PROPERTY TACHYON_PLUGIN_COMPONENTS)
list(REMOVE_DUPLICATES _tachyon_plugin_components)
set(CPACK_COMPONENTS_ALL core sdk ${_tachyon_plugin_components})

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)
set(CPACK_DEBIAN_PACKAGE_SECTION "devel")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")

set(CPACK_DEBIAN_CORE_PACKAGE_NAME "tachyon-core")
set(CPACK_COMPONENT_CORE_DESCRIPTION "Sampling profiler for CPython: the tachyon command
Reads a running Python process's stacks from outside, with output
formats provided by separately packaged plugins.")
set(CPACK_DEBIAN_SDK_PACKAGE_NAME "tachyon-sdk")
set(CPACK_DEBIAN_SDK_PACKAGE_RECOMMENDS "pkg-config")
set(CPACK_COMPONENT_SDK_DESCRIPTION "SDK for tachyon output plugins
C headers of the plugin ABI, a CMake package (find_package(Tachyon 1)),
the pkg-config module tachyon-plugin and an example plugin.")
foreach(_c IN LISTS _tachyon_plugin_components)
  string(TOUPPER "${_c}" _C)
  string(REGEX REPLACE "^plugin-" "" _plugin "${_c}")
  set(CPACK_DEBIAN_${_C}_PACKAGE_NAME "tachyon-${_c}")
  set(CPACK_COMPONENT_${_C}_DEPENDS core)
  set(CPACK_COMPONENT_${_C}_DESCRIPTION "tachyon output plugin: ${_plugin}
The ${_plugin} collector for the tachyon CPython profiler.")
endforeach()

include(CPack)
