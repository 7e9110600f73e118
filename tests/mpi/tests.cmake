# MPI runs of the `eipnn` tool (issue 18): labelling, training and reproduce give the same bytes
# for 1, 2 and 3 ranks (--oversubscribe: these machines have 2 cores). Without MPI in the build, or
# without a launcher, the same tests are registered and report "skipped" (exit code 77) with the
# reason.
if(TARGET eipnn_cli)
  set(EIPNN_MPI_TESTS mpi.label_ranks mpi.fault_ranks mpi.reproduce_ranks mpi.reproduce_ranks.forces
      mpi.reproduce_ranks.soapnet)
  foreach(case schnet schnet-double soapnet soapnet-double schnet-forces soapnet-forces schnet-resume)
    list(APPEND EIPNN_MPI_TESTS mpi.train_ranks.${case})
  endforeach()
  if(EIPNN_MPI AND MPIEXEC_EXECUTABLE)
    add_test(NAME mpi.label_ranks
      COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/label_ranks.sh $<TARGET_FILE:eipnn_cli> ${MPIEXEC_EXECUTABLE}
              ${EIPNN_SHARED_DIR}/data ${PROJECT_BINARY_DIR}/test-scratch/mpi_label)
    add_test(NAME mpi.reproduce_ranks
      COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/reproduce_ranks.sh $<TARGET_FILE:eipnn_cli> ${MPIEXEC_EXECUTABLE}
              ${EIPNN_SHARED_DIR}/data ${PROJECT_BINARY_DIR}/test-scratch/mpi_reproduce)
    foreach(case forces soapnet)
      add_test(NAME mpi.reproduce_ranks.${case}
        COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/reproduce_ranks.sh $<TARGET_FILE:eipnn_cli> ${MPIEXEC_EXECUTABLE}
                ${EIPNN_SHARED_DIR}/data ${PROJECT_BINARY_DIR}/test-scratch/mpi_reproduce_${case} ${case})
    endforeach()
    add_test(NAME mpi.fault_ranks
      COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/fault_ranks.sh $<TARGET_FILE:eipnn_cli> ${MPIEXEC_EXECUTABLE}
              ${PROJECT_BINARY_DIR}/test-scratch/mpi_fault)
    foreach(case schnet schnet-double soapnet soapnet-double schnet-forces soapnet-forces schnet-resume)
      add_test(NAME mpi.train_ranks.${case}
        COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/train_ranks.sh $<TARGET_FILE:eipnn_cli> ${MPIEXEC_EXECUTABLE}
                ${EIPNN_SHARED_DIR}/data ${PROJECT_BINARY_DIR}/test-scratch/mpi_train_${case} ${case})
    endforeach()
  else()
    if(NOT EIPNN_MPI)
      set(why "the tool is built without MPI (EIPNN_MPI=OFF or no libopenmpi-dev)")
    else()
      set(why "no MPI launcher (mpirun) was found")
    endif()
    message(STATUS "eipnn: MPI tests will report skipped: ${why}")
    foreach(t ${EIPNN_MPI_TESTS})
      add_test(NAME ${t} COMMAND sh -c "echo 'skipped: ${why}'; exit 77")
    endforeach()
  endif()
  set_tests_properties(${EIPNN_MPI_TESTS} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300 LABELS mpi)
endif()
