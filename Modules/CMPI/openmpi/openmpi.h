// CMPI over Open MPI (MPIPOOL_MPI=openmpi, pkg-config `ompi`; the default build).
//
// Debian's alternatives switch /usr/include/x86_64-linux-gnu/mpi (and mpicc, mpirun) between
// Open MPI and MPICH, so the <mpi.h> found first depends on the machine: stop here if it is
// not Open MPI's, instead of building a binary against one library's handles and linking
// another. The library to link comes from pkg-config (`Libs:`), not from this module map.
#ifndef CMPI_OPENMPI_H
#define CMPI_OPENMPI_H

#include <mpi.h>

#ifndef OMPI_MAJOR_VERSION
#error "CMPI was configured for Open MPI (MPIPOOL_MPI=openmpi) but <mpi.h> is not Open MPI's: check `pkg-config --cflags ompi` (or of MPIPOOL_MPI_PKGCONFIG)"
#endif

#include "../shim.h"

#endif
