# Every dependency comes from Debian packages (scripts/setup installs them).
find_package(Boost 1.81 REQUIRED CONFIG)
find_package(OpenSSL 3 REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(RapidJSON REQUIRED)
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(IDN2 REQUIRED IMPORTED_TARGET libidn2)  # IDNA2008 names to punycode
if(PORTICO_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()

# RapidJSON's Debian config exports only variables; wrap them in a target.
if(NOT TARGET portico_rapidjson)
  add_library(portico_rapidjson INTERFACE)
  target_include_directories(portico_rapidjson SYSTEM INTERFACE ${RAPIDJSON_INCLUDE_DIRS})
  # std::string support, and refuse NaN/Infinity and trailing commas.
  target_compile_definitions(portico_rapidjson INTERFACE RAPIDJSON_HAS_STDSTRING=1)
endif()

# Asio, Asio-SSL and Beast are compiled once, here, and linked by whatever touches the network.
add_library(portico_asio STATIC ${PROJECT_SOURCE_DIR}/cmake/asio_impl.cpp)
target_compile_definitions(portico_asio PUBLIC
  BOOST_ASIO_SEPARATE_COMPILATION
  BOOST_BEAST_SEPARATE_COMPILATION
  BOOST_ASIO_NO_DEPRECATED)
target_link_libraries(portico_asio PUBLIC Boost::headers OpenSSL::SSL OpenSSL::Crypto Threads::Threads)
target_compile_features(portico_asio PUBLIC cxx_std_20)
