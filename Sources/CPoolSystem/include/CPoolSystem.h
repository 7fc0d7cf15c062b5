// CPoolSystem: the one Linux call the pool's waiting needs that Swift cannot make.
//
// prctl(2) is variadic, and Swift does not import variadic C functions. PR_SET_TIMERSLACK sets
// how late the calling thread's sleeps may end: Linux rounds every timed sleep of a normal
// thread up by this slack, 50 µs by default (nanosleep, poll and a condition variable's timed
// wait alike), which turned each 1–32 µs step of the pool's back-off into 50–60 µs.
//
// The function does exactly that call (prefix `cpoolsystem_`), returning 0, or -1 with errno
// set, as prctl does; elsewhere than Linux it does nothing and returns -1. No logic lives here.
#ifndef CPOOLSYSTEM_H
#define CPOOLSYSTEM_H

/// prctl(PR_SET_TIMERSLACK, nanoseconds) for the calling thread (threads it starts inherit it).
int cpoolsystem_set_timer_slack(unsigned long nanoseconds);

#endif
