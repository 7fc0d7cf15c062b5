// See include/CTaskFarm.h for why these exist.
#define _GNU_SOURCE
#include <errno.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "CTaskFarm.h"

int ctaskfarm_pidfd_open(pid_t pid) {
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    errno = ENOSYS;
    return -1;
#endif
}

int ctaskfarm_spawn_addclosefrom(posix_spawn_file_actions_t *actions, int lowfd) {
    return posix_spawn_file_actions_addclosefrom_np(actions, lowfd);
}
