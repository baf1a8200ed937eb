//! Pinning the measuring threads to one CPU at a high priority (Linux).
//!
//! On this kind of machine (a 2-vCPU VM), a request whose client and server threads sit on
//! different vCPUs pays a cross-CPU wake-up twice, and when the other vCPU is idle that costs
//! tens of microseconds: the same client measured 10,000 or 170,000 requests per second from one
//! run to the next. With the client, its server and nginx on one CPU, a request costs the CPU
//! work it does (client, kernel, server), and repeated runs agree within a few percent even
//! with other work on the machine (which the priority keeps off that CPU).

/// Pins the calling thread (and the threads and processes it starts later) to `cpu`.
pub fn pin(cpu: usize) -> bool {
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) == 0
    }
}

/// Lets the calling thread (and what it starts later) run on `cpus` again.
pub fn pin_to(cpus: &[usize]) -> bool {
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        for &cpu in cpus {
            libc::CPU_SET(cpu, &mut set);
        }
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) == 0
    }
}

/// Sets the calling thread's nice value (Linux nice values are per thread and inherited).
/// Below 0 needs root (or CAP_SYS_NICE); returns whether it took.
pub fn set_nice(nice: i32) -> bool {
    unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, nice) == 0 }
}

/// The CPUs this process may run on now.
pub fn allowed_cpus() -> Vec<usize> {
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) != 0 {
            return Vec::new();
        }
        (0..libc::CPU_SETSIZE as usize)
            .filter(|&c| libc::CPU_ISSET(c, &set))
            .collect()
    }
}
