# The command-line tests run the built `eipnn` tool (${PROJECT_BINARY_DIR}/bin/eipnn): build it first.
if(TARGET test_cli_label AND TARGET eipnn_cli)
  add_dependencies(test_cli_label eipnn_cli)
endif()
