# gdoptConfig.cmake: find_package(gdopt 0.2 REQUIRED) gives the imported targets
#   gdopt::gdopt    libgdopt.so and gdopt.h / gdopt.hpp (C and C++)
#   gdopt::fortran  libgdopt_fortran.so and gdopt.mod (the Fortran module; it links gdopt::gdopt)
# Installed by `make install` in <prefix>/lib/cmake/gdopt/; it finds the rest from there, so the
# install tree can be moved.
get_filename_component(_gdopt_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)

if(NOT TARGET gdopt::gdopt)
  add_library(gdopt::gdopt SHARED IMPORTED)
  # libgdopt.so has no SONAME: link it by name (-lgdopt), not by its path.
  set_target_properties(gdopt::gdopt PROPERTIES
    IMPORTED_LOCATION "${_gdopt_prefix}/lib/libgdopt.so"
    IMPORTED_NO_SONAME TRUE
    INTERFACE_INCLUDE_DIRECTORIES "${_gdopt_prefix}/include")
endif()

if(NOT TARGET gdopt::fortran AND EXISTS "${_gdopt_prefix}/lib/libgdopt_fortran.so")
  add_library(gdopt::fortran SHARED IMPORTED)
  set_target_properties(gdopt::fortran PROPERTIES
    IMPORTED_LOCATION "${_gdopt_prefix}/lib/libgdopt_fortran.so"
    IMPORTED_NO_SONAME TRUE
    INTERFACE_INCLUDE_DIRECTORIES "${_gdopt_prefix}/include"
    INTERFACE_LINK_LIBRARIES gdopt::gdopt)
endif()

set(gdopt_fortran_FOUND FALSE)
if(TARGET gdopt::fortran)
  set(gdopt_fortran_FOUND TRUE)
endif()
# find_package(gdopt COMPONENTS fortran) fails when the Fortran library was not installed.
foreach(_gdopt_component IN LISTS gdopt_FIND_COMPONENTS)
  if(NOT gdopt_${_gdopt_component}_FOUND AND gdopt_FIND_REQUIRED_${_gdopt_component})
    set(gdopt_FOUND FALSE)
    set(gdopt_NOT_FOUND_MESSAGE "gdopt: component '${_gdopt_component}' is not installed")
  endif()
endforeach()
unset(_gdopt_prefix)
