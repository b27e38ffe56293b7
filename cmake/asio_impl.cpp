// The one translation unit that compiles Asio, Asio-SSL and Beast; every other file only
// includes their declarations (BOOST_*_SEPARATE_COMPILATION).
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
