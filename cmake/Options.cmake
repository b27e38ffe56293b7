# Warnings and build options every project target links PRIVATE.
add_library(portico_options INTERFACE)
target_compile_features(portico_options INTERFACE cxx_std_20)
target_compile_options(portico_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Wunused -Woverloaded-virtual -Wdouble-promotion -Wformat=2
  -Wimplicit-fallthrough)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # GCC 12 warns falsely inside coroutine frames, std::variant moves and Asio's strands, and
  # about fields left to their defaults in designated initializers (which is their point).
  target_compile_options(portico_options INTERFACE -Wno-maybe-uninitialized
                         -Wno-mismatched-new-delete -Wno-missing-field-initializers)
endif()

# Helper: a project library with the layout <dir>/include + sources.
function(portico_library name)
  cmake_parse_arguments(arg "" "" "SOURCES;PUBLIC;PRIVATE" ${ARGN})
  add_library(${name} STATIC ${arg_SOURCES})
  target_link_libraries(${name} PUBLIC ${arg_PUBLIC} PRIVATE portico_options ${arg_PRIVATE})
endfunction()
