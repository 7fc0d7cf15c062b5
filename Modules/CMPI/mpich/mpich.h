// CMPI over MPICH (MPIPOOL_MPI=mpich, pkg-config `mpich`) and the libraries built on it that keep
// its header and ABI (Cray MPICH, MVAPICH, Intel MPI: see the README for their pkg-config names).
//
// Stop here if the <mpi.h> found first is not of the MPICH family (Debian's alternatives may point
// /usr/include/x86_64-linux-gnu/mpi at Open MPI's). The library to link comes from pkg-config
// (`Libs:` says -lmpich here, -lmpi for Intel MPI), not from this module map.
#ifndef CMPI_MPICH_H
#define CMPI_MPICH_H

#include <mpi.h>

#if !defined(MPICH_VERSION) && !defined(I_MPI_VERSION)
#error "CMPI was configured for MPICH (MPIPOOL_MPI=mpich) but <mpi.h> is not MPICH's: check `pkg-config --cflags mpich` (or of MPIPOOL_MPI_PKGCONFIG)"
#endif

#include "../shim.h"

#endif
