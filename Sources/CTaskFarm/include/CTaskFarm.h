// CTaskFarm: two Linux calls the task farm needs that Swift cannot reach.
//
// - pidfd_open(2) has no glibc wrapper in Swift's Glibc module (glibc 2.36 declares one in
//   <sys/pidfd.h>, which the module map leaves out), and Swift cannot call the variadic
//   syscall(2). A pidfd turns "the child exited" into a file descriptor that poll(2) waits
//   on beside the child's output pipes, with a deadline: no SIGCHLD handler, no polling.
// - posix_spawn_file_actions_addclosefrom_np (glibc 2.34) is declared only under _GNU_SOURCE,
//   which the Glibc module is not built with. It closes every descriptor from `lowfd` up in
//   the child, so a task never inherits the MPI library's sockets and pipes.
//
// Each function does exactly the call it is named after (prefix `ctaskfarm_`), returning
// -1 with errno set, or the error number for the posix_spawn one, as the calls do.
// No logic lives here.
#ifndef CTASKFARM_H
#define CTASKFARM_H

#include <spawn.h>
#include <sys/types.h>

/// pidfd_open(pid, 0): a descriptor that becomes readable when the process exits; -1 and errno on failure.
int ctaskfarm_pidfd_open(pid_t pid);

/// posix_spawn_file_actions_addclosefrom_np(actions, lowfd): 0, or an error number.
int ctaskfarm_spawn_addclosefrom(posix_spawn_file_actions_t *actions, int lowfd);

#endif
