# The two ways a downstream project consumes eipnn, built and run as tests:
# install into a scratch prefix + find_package, and add_subdirectory of this checkout.
set(EIPNN_CONSUMER_DIR ${PROJECT_BINARY_DIR}/consumer-tests)
add_test(NAME install.into_prefix
  COMMAND ${CMAKE_COMMAND} --install ${PROJECT_BINARY_DIR} --prefix ${EIPNN_CONSUMER_DIR}/prefix)
add_test(NAME install.consumer_find_package
  COMMAND ${CMAKE_COMMAND} -E env --unset=CMAKE_PREFIX_PATH
    ${CMAKE_CTEST_COMMAND} --build-and-test ${PROJECT_SOURCE_DIR}/examples/consumer_installed
    ${EIPNN_CONSUMER_DIR}/installed --build-generator ${CMAKE_GENERATOR}
    --build-options -DCMAKE_PREFIX_PATH=${EIPNN_CONSUMER_DIR}/prefix -DCMAKE_CUDA_COMPILER=
    --test-command ${EIPNN_CONSUMER_DIR}/installed/count_neighbors)
set_tests_properties(install.consumer_find_package PROPERTIES DEPENDS install.into_prefix)
add_test(NAME install.consumer_add_subdirectory
  COMMAND ${CMAKE_CTEST_COMMAND} --build-and-test ${PROJECT_SOURCE_DIR}/examples/consumer_subdirectory
    ${EIPNN_CONSUMER_DIR}/subdirectory --build-generator ${CMAKE_GENERATOR}
    --build-options -DEIPNN_SOURCE_DIR=${PROJECT_SOURCE_DIR}
    --test-command ${EIPNN_CONSUMER_DIR}/subdirectory/count_neighbors)
# The installed `eipnn` tool, run from a copy of the prefix with no source or build tree in reach:
# pool, one tiny epoch of train, the learning-curve PNG (where matplotlib exists), the data lookup.
if(TARGET eipnn_cli)
  add_test(NAME install.tool_from_prefix
    COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/installed_tool.sh ${EIPNN_CONSUMER_DIR}/prefix ${PROJECT_SOURCE_DIR})
  set_tests_properties(install.tool_from_prefix PROPERTIES DEPENDS install.into_prefix TIMEOUT 300)
endif()
