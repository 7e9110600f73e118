# The command-line tests run the built `eipnn` tool (${PROJECT_BINARY_DIR}/bin/eipnn): build it first.
foreach(cli_test test_cli_label test_cli_models test_cli_kill test_cli_bad_input test_cli_compress)
  if(TARGET ${cli_test} AND TARGET eipnn_cli)
    add_dependencies(${cli_test} eipnn_cli)
  endif()
endforeach()
