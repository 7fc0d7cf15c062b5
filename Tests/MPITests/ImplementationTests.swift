import Testing
@testable import MPI

/// The implementation traits: which family a library's version string names, and what is tuned
/// for each (no MPI call but `MPI_Get_library_version`, which MPI allows before `MPI_Init`).
@Suite struct ImplementationTests {
    @Test(arguments: [
        ("Open MPI v4.1.4, package: Debian OpenMPI, ident: 4.1.4, repo rev: v4.1.4, May 26, 2022", MPIImplementation.Family.openMPI),
        ("MPICH Version:\t4.0.2\nMPICH Release date:\tThu Apr  7 12:34:45 CDT 2022\nMPICH Device:\tch4:ucx", .mpich),
        ("MPI VERSION    : CRAY MPICH version 8.1.27.26 (ANL base 3.4a2)", .mpich),
        ("Intel(R) MPI Library 2021.10 for Linux* OS", .mpich),
        ("MVAPICH2 Version      :\t2.3.7", .mpich),
        ("Some Other MPI 1.0", .unknown),
        ("", .unknown),
    ])
    func versionStringsNameTheirFamily(version: String, family: MPIImplementation.Family) {
        #expect(MPIImplementation(libraryVersion: version).family == family)
    }

    @Test func theVersionIsTheFirstLineWithItsWhitespaceCollapsed() {
        let mpich = MPIImplementation(libraryVersion: "MPICH Version:\t4.0.2\nMPICH Release date:\tThu Apr  7 2022\n")
        #expect(mpich.version == "MPICH Version: 4.0.2")
        #expect(mpich.description == "MPICH (MPICH Version: 4.0.2)")
    }

    @Test func eachFamilyMakesSixtyFourKiBMessagesEagerWithItsOwnVariable() {
        let openMPI = MPIImplementation(libraryVersion: "Open MPI v4.1.4")
        let mpich = MPIImplementation(libraryVersion: "MPICH Version: 4.0.2")
        #expect(openMPI.eagerSettings(messagesUpTo: 65_536).map(\.description) == ["OMPI_MCA_btl_vader_eager_limit=69632"])
        #expect(mpich.eagerSettings(messagesUpTo: 65_536).map(\.description) == ["UCX_RNDV_THRESH=69632"])
        #expect(MPIImplementation(libraryVersion: "other").eagerSettings(messagesUpTo: 65_536).isEmpty)
    }

    @Test func launchersAndInPlaceLimitsPerFamily() {
        let openMPI = MPIImplementation(libraryVersion: "Open MPI v4.1.4")
        let mpich = MPIImplementation(libraryVersion: "MPICH Version: 4.0.2")
        #expect(openMPI.launcher == "mpirun" && mpich.launcher == "mpiexec")
        #expect(openMPI.inPlaceSendLimit == 200 && mpich.inPlaceSendLimit == 1024)
        #expect(MPIImplementation(libraryVersion: "other").inPlaceSendLimit == 0)
    }

    /// Hydra inside a Slurm job starts its proxy with srun (MpiDefault=pmix): every rank inherits the
    /// proxy's PMIX_RANK=0 and SLURM_PROCID=0 beside its own PMI_RANK. Under MPICH, PMI_RANK wins.
    @Test func eachFamilyTrustsItsOwnLaunchersVariablesFirst() {
        let hydraInSlurm = ["PMI_RANK": "3", "PMI_SIZE": "4", "PMIX_RANK": "0", "SLURM_PROCID": "0", "SLURM_STEP_NUM_TASKS": "1"]
        let mpich = MPIImplementation(libraryVersion: "MPICH Version: 4.0.2")
        #expect(mpich.launchedRank(in: { hydraInSlurm[$0] }) == 3)
        #expect(mpich.launchedSize(in: { hydraInSlurm[$0] }) == 4)
        let mpirun = ["OMPI_COMM_WORLD_RANK": "2", "OMPI_COMM_WORLD_SIZE": "4", "PMIX_RANK": "2", "SLURM_PROCID": "0"]
        let openMPI = MPIImplementation(libraryVersion: "Open MPI v4.1.4")
        #expect(openMPI.launchedRank(in: { mpirun[$0] }) == 2)
        #expect(openMPI.launchedSize(in: { mpirun[$0] }) == 4)
        let srun = ["SLURM_PROCID": "1", "SLURM_STEP_NUM_TASKS": "4"]
        #expect(openMPI.launchedRank(in: { srun[$0] }) == 1 && mpich.launchedRank(in: { srun[$0] }) == 1)
        #expect(mpich.launchedRank(in: { _ in nil }) == nil && openMPI.launchedSize(in: { _ in nil }) == nil)
    }

    @Test func theLinkedLibraryIsKnown() {
        // Whichever library this test binary was built against (MPIPOOL_MPI), it is one we tune.
        #expect(MPIImplementation.current.family != .unknown, "\(MPIImplementation.current)")
    }
}
