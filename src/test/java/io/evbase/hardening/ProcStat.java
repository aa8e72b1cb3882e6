package io.evbase.hardening;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** CPU time and descriptors of a process (or one of its threads) from /proc, in clock ticks (USER_HZ = 100). */
final class ProcStat {

    static final double TICKS_PER_SECOND = 100.0;

    private ProcStat() {
    }

    /** utime + stime of /proc/{pid}/stat or /proc/{pid}/task/{tid}/stat. */
    static long cpuTicks(Path stat) throws IOException {
        String s = Files.readString(stat);
        String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15, counted after "pid (comm) "
    }

    static long processTicks(long pid) throws IOException {
        return cpuTicks(Path.of("/proc", Long.toString(pid), "stat"));
    }

    /** The stat file of the thread of {@code pid} named {@code name} (its comm, at most 15 characters). */
    static Path thread(long pid, String name) throws IOException {
        String comm = name.length() > 15 ? name.substring(0, 15) : name;
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                if (Files.readString(task.resolve("comm")).trim().equals(comm)) {
                    return task.resolve("stat");
                }
            }
        }
        throw new IllegalStateException("no thread " + comm + " in " + pid);
    }

    static int openDescriptors(long pid) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return (int) fds.count();
        }
    }
}
