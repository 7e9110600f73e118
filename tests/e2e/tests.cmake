# End-to-end runs of the `eipnn` tool on a slice of the real data (skipped without it).
if(TARGET eipnn_cli)
  add_test(NAME e2e.reproduce_quick_mo
    COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/reproduce_quick.sh $<TARGET_FILE:eipnn_cli> ${EIPNN_SHARED_DIR}/data
            ${PROJECT_BINARY_DIR}/test-scratch/e2e_reproduce)
  set_tests_properties(e2e.reproduce_quick_mo PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 900)
  add_test(NAME e2e.reproduce_quick_mo_soapnet
    COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/reproduce_quick.sh $<TARGET_FILE:eipnn_cli> ${EIPNN_SHARED_DIR}/data
            ${PROJECT_BINARY_DIR}/test-scratch/e2e_reproduce_soapnet soapnet)
  set_tests_properties(e2e.reproduce_quick_mo_soapnet PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 900)
  add_test(NAME e2e.reproduce_train_fractions_mo
    COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/reproduce_fractions.sh $<TARGET_FILE:eipnn_cli> ${EIPNN_SHARED_DIR}/data
            ${PROJECT_BINARY_DIR}/test-scratch/e2e_fractions)
  set_tests_properties(e2e.reproduce_train_fractions_mo PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 900)
endif()
