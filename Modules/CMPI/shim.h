// CMPI: the MPI C API for Swift, over Open MPI or MPICH.
//
// Included by openmpi/openmpi.h or mpich/mpich.h (the module map Package.swift picks from
// MPIPOOL_MPI), after <mpi.h>. The predefined handles (MPI_COMM_WORLD, MPI_BYTE, ...) are
// macros Swift's importer cannot see, in both libraries, for different reasons:
//  - Open MPI casts the address of a global struct, e.g.
//      #define MPI_COMM_WORLD OMPI_PREDEFINED_GLOBAL(MPI_Comm, ompi_mpi_comm_world)
//    and its handles are pointers (MPI_Comm imports as OpaquePointer);
//  - MPICH casts an integer, e.g. #define MPI_COMM_WORLD ((MPI_Comm)0x44000000),
//    and its handles are ints (MPI_Comm imports as Int32).
// So each one gets a `static inline` accessor here, prefixed `cmpi_`, whose return type is the
// library's own handle type: the Swift code above calls cmpi_comm_world() either way and never
// names a pointer or an int. No logic lives in this file: every function returns exactly the
// macro it is named after.
#ifndef CMPI_SHIM_H
#define CMPI_SHIM_H

static inline MPI_Comm cmpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Comm cmpi_comm_self(void) { return MPI_COMM_SELF; }
static inline MPI_Datatype cmpi_byte(void) { return MPI_BYTE; }
static inline MPI_Datatype cmpi_int64(void) { return MPI_INT64_T; }
static inline MPI_Status *cmpi_status_ignore(void) { return MPI_STATUS_IGNORE; }
static inline MPI_Status *cmpi_statuses_ignore(void) { return MPI_STATUSES_IGNORE; }
static inline MPI_Request cmpi_request_null(void) { return MPI_REQUEST_NULL; }
static inline MPI_Errhandler cmpi_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline int cmpi_any_source(void) { return MPI_ANY_SOURCE; }
static inline int cmpi_any_tag(void) { return MPI_ANY_TAG; }
static inline int cmpi_undefined(void) { return MPI_UNDEFINED; }
static inline int cmpi_max_processor_name(void) { return MPI_MAX_PROCESSOR_NAME; }
static inline int cmpi_max_error_string(void) { return MPI_MAX_ERROR_STRING; }

#endif
