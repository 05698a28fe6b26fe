# tachyon_add_plugin(NAME SOURCES src... [LIBRARIES lib...])
#
# Builds a collector plugin as a loadable module named NAME.so with hidden
# symbol visibility (only the entry point is exported through TACHYON_EXPORT)
# and installs it into the plugin directory. Used in-tree and, installed with
# the SDK, by third-party plugins.
#
# In-tree, the top-level CMakeLists.txt sets TACHYON_PLUGIN_BUILD_DIR (where
# ./build/tachyon finds plugins without installing) and a relative
# TACHYON_INSTALL_PLUGINDIR. Installed, find_package(Tachyon) sets
# TACHYON_PLUGIN_DIR (the absolute directory that tachyon searches) and
# defaults TACHYON_INSTALL_PLUGINDIR to it; set TACHYON_INSTALL_PLUGINDIR
# yourself (e.g. to lib/tachyon/plugins) to install under your own prefix.
# The install rule belongs to the component plugin-NAME, so CPack can make
# one package per plugin.
function(tachyon_add_plugin name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "tachyon_add_plugin(${name}): no SOURCES given")
  endif()
  add_library(${name} MODULE ${ARG_SOURCES})
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    OUTPUT_NAME "${name}"
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(TARGET Tachyon::sdk)
    target_link_libraries(${name} PRIVATE Tachyon::sdk)
  endif()
  if(ARG_LIBRARIES)
    target_link_libraries(${name} PRIVATE ${ARG_LIBRARIES})
  endif()
  if(DEFINED TACHYON_PLUGIN_BUILD_DIR)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${TACHYON_PLUGIN_BUILD_DIR}")
  endif()
  if(NOT DEFINED TACHYON_INSTALL_PLUGINDIR AND DEFINED TACHYON_PLUGIN_DIR)
    set(TACHYON_INSTALL_PLUGINDIR "${TACHYON_PLUGIN_DIR}")
  endif()
  if(DEFINED TACHYON_INSTALL_PLUGINDIR)
    install(TARGETS ${name} LIBRARY DESTINATION "${TACHYON_INSTALL_PLUGINDIR}" COMPONENT "plugin-${name}")
    # Packaging (cmake/Packaging.cmake) makes one package per component.
    set_property(GLOBAL APPEND PROPERTY TACHYON_PLUGIN_COMPONENTS "plugin-${name}")
  endif()
endfunction()
