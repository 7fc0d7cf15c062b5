// CBarrier: an optimisation barrier for honest CPU-bound loops.
//
// LLVM folds `s += i` over a range into a closed form, and sees through
// Swift-level tricks (@inline(never) identities, withExtendedLifetime).
// An empty `asm volatile` that takes the accumulator as an in/out register
// operand forces one real addition per iteration, the same barrier the C
// reference peer uses, at no cost beyond the add itself.
#ifndef CBARRIER_H
#define CBARRIER_H
#include <stdint.h>

static inline int64_t cbarrier_opaque(int64_t value) {
    __asm__ volatile("" : "+r"(value));
    return value;
}

#endif
