# tachyon_add_plugin(NAME SOURCES src... [LIBRARIES lib...])
#
# Builds a collector plugin as a loadable module named NAME.so with hidden
# symbol visibility (only the entry point is exported through TACHYON_EXPORT)
# and installs it into the plugin directory. Used in-tree and, installed with
# the SDK, by third-party plugins.
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
  if(DEFINED TACHYON_INSTALL_PLUGINDIR)
    install(TARGETS ${name} LIBRARY DESTINATION "${TACHYON_INSTALL_PLUGINDIR}" COMPONENT "plugin-${name}")
  endif()
endfunction()
