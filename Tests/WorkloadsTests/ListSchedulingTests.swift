import Testing
import Workloads

@Suite struct ListSchedulingTests {
    let durations = sleepDurations(count: 19, seed: 1234, maxSeconds: 5)

    @Test func eightWorkersChunkOneReachTheTutorialMakespan() {
        let schedule = listSchedule(durations, workers: 8)
        #expect(abs(schedule.makespan - 6.4369) < 0.0001)
        #expect(schedule.idleWorkers == 0)
        // The tutorial's first jobs: 0…7 go to workers 0…7, job 8 to the worker that ran job 2.
        #expect(Array(schedule.workerOfJob.prefix(9)) == [0, 1, 2, 3, 4, 5, 6, 7, 2])
    }

    @Test func chunksOfFourLeaveThreeWorkersIdle() {
        let schedule = listSchedule(durations, workers: 8, chunkSize: 4)
        #expect(schedule.idleWorkers == 3)
        #expect(abs(schedule.makespan - durations[0..<4].reduce(0, +)) < 1e-12)
        #expect(abs(schedule.makespan - 11.6283) < 0.0001)
    }

    @Test func oneWorkerRunsEverythingInTurn() {
        #expect(abs(listScheduleMakespan(durations, workers: 1) - durations.reduce(0, +)) < 1e-9)
    }
}
