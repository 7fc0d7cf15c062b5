# Sourced by the scripts: which MPI library, its launcher, and the environment it needs here.
#   MPIPOOL_MPI=openmpi (default) | mpich   the library to build against and launch with
# Exports MPIPOOL_MPI (Package.swift reads it) and sets, unless already set:
#   MPIPOOL_SCRATCH   the build folder: .build (Open MPI), .build-mpich (MPICH): each library keeps its own
#   MPIEXEC           the launcher: mpirun.openmpi / mpiexec.mpich where Debian has both (the plain names
#                     follow Debian's alternatives, i.e. whichever library has priority), else mpirun / mpiexec
# and always:
#   MPIEXEC_FLAGS     (array) flags for more ranks than cores on this machine: Open MPI --oversubscribe;
#                     Hydra (MPICH) needs none
#   HOSTFILE_FLAG     how the launcher takes a hostfile: --hostfile (Open MPI), -f (Hydra)
#   HOSTFILE          the hostfile at the root in that launcher's format: hostfile (host slots=N),
#                     hostfile.mpich (host:N)
# It exports the variables Open MPI needs as root (containers, CI) only for Open MPI.
MPIPOOL_MPI=${MPIPOOL_MPI:-openmpi}
case "$MPIPOOL_MPI" in
  openmpi|mpich) ;;
  *) echo "MPIPOOL_MPI must be openmpi or mpich, not '$MPIPOOL_MPI'" >&2; return 64 2>/dev/null || exit 64 ;;
esac
export MPIPOOL_MPI
mpipool_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ "$MPIPOOL_MPI" = mpich ]; then
  MPIPOOL_SCRATCH=${MPIPOOL_SCRATCH:-$mpipool_root/.build-mpich}
  if [ -z "${MPIEXEC:-}" ]; then
    if command -v mpiexec.mpich >/dev/null 2>&1; then MPIEXEC=mpiexec.mpich; else MPIEXEC=mpiexec; fi
  fi
  MPIEXEC_FLAGS=()
  HOSTFILE_FLAG=-f
  HOSTFILE=$mpipool_root/hostfile.mpich
else
  MPIPOOL_SCRATCH=${MPIPOOL_SCRATCH:-$mpipool_root/.build}
  if [ -z "${MPIEXEC:-}" ]; then
    if command -v mpirun.openmpi >/dev/null 2>&1; then MPIEXEC=mpirun.openmpi; else MPIEXEC=mpirun; fi
  fi
  MPIEXEC_FLAGS=(--oversubscribe)
  HOSTFILE_FLAG=--hostfile
  HOSTFILE=$mpipool_root/hostfile
  # As root (containers, CI) Open MPI refuses to start without these two.
  if [ "$(id -u)" = 0 ]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  fi
  # More ranks than cores (4 ranks on a 2-core laptop or CI box) is fine for a pool.
  export OMPI_MCA_rmaps_base_oversubscribe=${OMPI_MCA_rmaps_base_oversubscribe:-1}
fi
unset mpipool_root
