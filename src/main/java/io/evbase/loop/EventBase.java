package io.evbase.loop;

import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One event loop: one thread and one {@link Selector}, running ready I/O, due timers and tasks posted from other
 * threads, after libevent's {@code event_base} and folly's {@code EventBase}.
 *
 * <p>An iteration: wait in the selector (no longer than the next timer), handle the ready keys, run due timers,
 * run the tasks queued so far. The loop does not exit when nothing is registered: it waits for tasks until
 * {@link #shutdown()}.
 *
 * <p>Accounting ({@link LoopStats}: busy time, iterations, events, task latency, longest callback) costs the loop
 * one {@link System#nanoTime()} call per callback and one per iteration: the loop keeps the last reading as its
 * clock, and each callback begins where the one before it ended (the steps between them take nanoseconds), so the
 * end of one is the start of the next, of the timers' check and of the iteration's end. The system property
 * {@code evbase.loop.accounting=false} turns it off (for measuring its overhead); {@link #workStartNanos()} and
 * with it stall detection stay on.
 *
 * <p>Tasks: {@link #execute} queues a task; every task queued before the loop stops runs, also after
 * {@link #shutdown()} (the loop runs what is queued, then exits). Once the loop has stopped taking tasks (it is
 * terminating or terminated, or it died), {@link #execute} and {@link #schedule} throw
 * {@link RejectedExecutionException}: a task is either run or refused to its poster, never dropped. Timers still
 * pending when the loop stops do not run.
 *
 * <p>The loop thread's interrupt status means nothing to the loop (stop it with {@link #shutdown()}). Left set, it
 * would make every select return at once and the loop spin, so when a select returns because of it the loop clears
 * it, says so in the log (once per loop, then at FINE) and goes on.
 *
 * <p>Channels are registered through {@link #register}, which hands out an {@link IoRegistration} (interest ops,
 * cancel) rather than a {@link SelectionKey}: the keys stay the loop's, so a selector rebuild can move them.
 *
 * <p>Threading: {@link #execute}, {@link #schedule}, {@link #shutdown}, {@link #rebuildSelector()}, {@link #inLoop}
 * and the statistics are thread-safe. {@link #register} and everything done with an {@link IoRegistration} run on
 * the loop thread only.
 */
public final class EventBase implements Executor {

    private static final Logger LOG = Logger.getLogger(EventBase.class.getName());

    /** Consecutive empty, early selector returns after which the selector is rebuilt (Netty uses the same bound). */
    static final int PREMATURE_RETURNS_BEFORE_REBUILD = 512;
    /** Tasks run per iteration at most, so a flood of posts cannot starve I/O. */
    private static final int MAX_TASKS_PER_ITERATION = 4096;
    /** Whether loops keep their {@link LoopStats}; read once, so the JIT drops the accounting when it is off. */
    static final boolean ACCOUNTING = !"false".equalsIgnoreCase(System.getProperty("evbase.loop.accounting"));

    private final int id;
    private final String name;
    private final Thread thread;
    private final Queue<Task> tasks = new ConcurrentLinkedQueue<>();
    /**
     * Clear only while the loop is about to block or blocked in the selector; the first poster then sets it and
     * wakes the selector. Set the rest of the time, so posting to a busy loop costs no wakeup at all.
     */
    private final AtomicBoolean wakeupPending = new AtomicBoolean();
    private final TimerQueue timers = new TimerQueue();
    private final LoopStats stats = new LoopStats();
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final Consumer<SelectionKey> onReady = this::onReady;
    private final LoopSelector selector;
    private volatile boolean shuttingDown;
    /** Set when the loop stops taking tasks: from then on {@link #execute} refuses them. */
    private volatile boolean tasksClosed;
    /** Selects the thread's interrupt status cut short; written by the loop only. */
    private volatile long interrupts;
    /** {@link System#nanoTime()} when the current I/O callback began (loop thread only; see {@link #callbackNanos}). */
    private long callbackNanos;
    /** The loop's last {@link System#nanoTime()} reading: the end of the last callback, or of the last wait. */
    private long clockNanos;

    /** {@link System#nanoTime()} when the current iteration's work began; 0 while waiting in the selector. */
    private volatile long workStartNanos;
    /** Posted and not yet run; a counter because ConcurrentLinkedQueue.size() walks the whole queue. */
    private final AtomicInteger pendingTasks = new AtomicInteger();
    /** Channels handed over by another thread and not yet taken up (registered, or given up) by the loop. */
    private final AtomicInteger pendingHandOffs = new AtomicInteger();

    public EventBase(int id, String name) {
        this.id = id;
        this.name = name;
        this.selector = new LoopSelector(this);
        this.thread = new LoopThread(this::run, name);
    }

    /** Starts the loop thread. */
    public EventBase start() {
        thread.start();
        return this;
    }

    public int id() {
        return id;
    }

    public String name() {
        return name;
    }

    public Thread thread() {
        return thread;
    }

    public LoopStats stats() {
        return stats;
    }

    /** True when called from this loop's thread. */
    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /** Tasks posted and not yet run. */
    public int pendingTasks() {
        return pendingTasks.get();
    }

    /** Channels registered with the selector (connections, on a worker loop). */
    public int registeredChannels() {
        return selector.registered();
    }

    /**
     * Channels handed to this loop from another thread (the acceptor's sockets, in its task queue) and not yet
     * registered by it: with {@link #registeredChannels()}, what the loop is about to own. Thread-safe.
     */
    public int pendingHandOffs() {
        return pendingHandOffs.get();
    }

    /**
     * Takes a place for a channel about to be handed over; false when {@code max} are already waiting. Thread-safe.
     * Each place is given back with {@link #handOffDone()}, by the loop once it took the channel up (registered it,
     * or gave it up), or by the sender if the hand-off did not happen.
     */
    public boolean tryReserveHandOff(int max) {
        while (true) {
            int n = pendingHandOffs.get();
            if (n >= max) {
                return false;
            }
            if (pendingHandOffs.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** Gives back a place {@link #tryReserveHandOff} took. Thread-safe. */
    public void handOffDone() {
        pendingHandOffs.decrementAndGet();
    }

    /** When the running iteration began working, or 0 while the loop waits for events; for stall detection. */
    public long workStartNanos() {
        return workStartNanos;
    }

    /**
     * Busy nanoseconds so far, the iteration in progress included: {@link LoopStats#busyNanos()} plus the time
     * since {@link #workStartNanos()}. Thread-safe; may miss a just-finished iteration for an instant, never counts
     * one twice (the loop clears the work start before it adds the iteration, and this reads in the other order).
     */
    public long busyNanos(long nowNanos) {
        long busy = stats.busyNanos();
        long start = workStartNanos;
        return start == 0 ? busy : busy + Math.max(0, nowNanos - start);
    }

    /**
     * The share of time this loop spends working, as a moving average with a half-second time constant, up to now
     * (a loop in a long iteration reads busier by the moment): what {@link Dispatch#LEAST_LOADED} compares.
     * Thread-safe. Always 0 when accounting is off.
     */
    public double recentLoad() {
        long start = workStartNanos;
        return ACCOUNTING ? stats.recentLoad(System.nanoTime(), start) : 0;
    }

    /** Whether this loop keeps its {@link #stats()} (see the class comment). */
    public static boolean accounting() {
        return ACCOUNTING;
    }

    public long selectorRebuilds() {
        return selector.rebuilds();
    }

    public boolean isShuttingDown() {
        return shuttingDown;
    }

    /** Neither shutting down nor stopped: a loop that new work (a connection) may be given to. Thread-safe. */
    public boolean isActive() {
        return !shuttingDown && !tasksClosed;
    }

    public boolean isTerminated() {
        return terminated.getCount() == 0;
    }

    /**
     * Runs {@code task} on this loop, after what is already queued. Thread-safe. Called from the loop itself, the
     * task runs in the same iteration's task phase or the next one, never inline.
     *
     * @throws RejectedExecutionException the loop has stopped taking tasks (it terminated, or died): the task will
     *                                    never run, and the caller keeps what it meant to hand over
     */
    @Override
    public void execute(Runnable task) {
        if (tasksClosed && !inLoop()) {
            throw rejected();
        }
        Task queued = new Task(task, ACCOUNTING ? System.nanoTime() : 0);
        tasks.offer(queued);
        pendingTasks.incrementAndGet();
        if (inLoop()) {
            return; // the loop runs it, in its last drain if it is stopping
        }
        // The loop sets tasksClosed before its last drain of the queue: a task offered before this read saw it
        // clear is in that drain. One that sees it set may have missed the drain: take it back and refuse it (if
        // the drain took it first, it runs).
        if (tasksClosed && tasks.remove(queued)) {
            pendingTasks.decrementAndGet();
            throw rejected();
        }
        if (wakeupPending.compareAndSet(false, true)) {
            selector.wakeup();
        }
    }

    private RejectedExecutionException rejected() {
        return new RejectedExecutionException("event loop " + name + " has stopped taking tasks");
    }

    /**
     * Runs {@code task} on this loop after {@code delay}. Thread-safe.
     *
     * @throws RejectedExecutionException the loop has stopped taking tasks
     */
    public Scheduled schedule(Runnable task, long delay, TimeUnit unit) {
        long deadline = System.nanoTime() + unit.toNanos(Math.max(0, delay));
        if (inLoop()) {
            return timers.add(task, deadline);
        }
        Scheduled s = new Scheduled(task, deadline);
        execute(() -> timers.add(s));
        return s;
    }

    public Scheduled schedule(Runnable task, Duration delay) {
        return schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Registers {@code channel} (non-blocking) with this loop for {@code ops}; {@code handle} is called back when it
     * is ready. Loop thread only. Nothing is registered when this throws.
     *
     * @return the registration, through which the owner changes its interest ops and which it cancels when done
     * @throws ClosedChannelException the channel is closed
     */
    public IoRegistration register(SelectableChannel channel, int ops, IoHandle handle) throws ClosedChannelException {
        assertInLoop();
        return selector.register(channel, ops, handle);
    }

    /** Forgets a cancelled or lost registration. */
    void unregister(IoRegistration registration) {
        selector.unregister(registration);
    }

    /**
     * Asks the loop to stop: it runs the tasks already queued, then exits. Thread-safe; returns at once. Channels
     * still registered are the owner's to close before (the server drains connections first).
     */
    public void shutdown() {
        shuttingDown = true;
        try {
            execute(() -> { }); // wakes the loop
        } catch (RejectedExecutionException alreadyStopped) {
            // nothing left to stop
        }
    }

    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return terminated.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void assertInLoop() {
        if (!inLoop()) {
            throw new IllegalStateException("not on loop thread " + name + ": " + Thread.currentThread().getName());
        }
    }

    // ---------------------------------------------------------------- the loop

    private void run() {
        int premature = 0;
        clockNanos = System.nanoTime();
        try {
            while (!shuttingDown || !tasks.isEmpty()) {
                long now = clockNanos; // the end of the last iteration's work: nothing has run since
                long timerNanos = timers.nanosUntilNext(now);
                int selected;
                long waited = 0;
                boolean mayBlock = tasks.isEmpty() && timerNanos != 0 && !shuttingDown;
                if (mayBlock) {
                    // Wakeup de-duplication: the flag stays set while the loop is awake, so posting to a busy loop
                    // costs no selector.wakeup(); it is cleared only before a blocking select. Clear it before
                    // looking at the queue again: a poster that sees it clear wakes the selector, and a post made
                    // before this line is seen by the isEmpty check below.
                    wakeupPending.set(false);
                    mayBlock = tasks.isEmpty();
                }
                if (mayBlock) {
                    long timeoutMillis = timerNanos < 0 ? 0 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(timerNanos));
                    selected = selector.select(onReady, timeoutMillis);
                    // The wait ended at the first callback's start; with none, it ends now.
                    long start = workStartNanos;
                    if (start == 0) {
                        start = System.nanoTime();
                        clockNanos = start;
                    }
                    waited = start - now;
                    if (Thread.interrupted()) { // see the class comment; isInterrupted() would spin the selector
                        interrupted();
                        premature = 0;
                    } else {
                        premature = isPremature(selected, timeoutMillis, waited) ? premature + 1 : 0;
                    }
                    wakeupPending.set(true); // awake again: the task phase below picks up what is posted from here on
                } else {
                    startWork(false);
                    selected = selector.selectNow(onReady);
                    premature = 0;
                }
                startWork(false);
                runTimers();
                runTasks();
                // Clear the work start before adding the iteration: see busyNanos(long).
                long start = workStartNanos;
                workStartNanos = 0;
                if (ACCOUNTING) {
                    stats.addBusy(start, clockNanos);
                }
                if (premature >= PREMATURE_RETURNS_BEFORE_REBUILD) {
                    premature = 0;
                    selector.rebuild("it returned early " + PREMATURE_RETURNS_BEFORE_REBUILD + " times in a row");
                }
            }
        } catch (Throwable t) {
            LOG.log(Level.SEVERE, "event loop " + name + " died", t);
        } finally {
            workStartNanos = 0;
            tasksClosed = true;
            // Posters that read tasksClosed clear have queued their tasks before this point: run them (see execute).
            Task task;
            while ((task = tasks.poll()) != null) {
                pendingTasks.decrementAndGet();
                runGuarded(task.runnable, -1);
            }
            selector.close();
            terminated.countDown();
        }
    }

    /** A select returned because the loop thread was interrupted (the status is cleared already). */
    private void interrupted() {
        long n = interrupts + 1;
        interrupts = n;
        Level level = n == 1 ? Level.WARNING : Level.FINE;
        if (LOG.isLoggable(level)) {
            LOG.log(level, "event loop " + name + " was interrupted (" + n + " times so far); a loop is stopped with"
                    + " shutdown(), so the interrupt status is cleared and the loop goes on");
        }
    }

    /**
     * The {@link System#nanoTime()} taken when the callback that is running (an I/O event, a task or a timer) began:
     * a timestamp for what the callback does (a connection's activity and timeout marks, to millisecond precision)
     * without a clock read per use. Loop thread only, inside a callback.
     */
    public long callbackNanos() {
        return callbackNanos;
    }

    /** Times a select was cut short by the loop thread's interrupt status (which the loop then cleared). */
    public long interrupts() {
        return interrupts;
    }

    /**
     * Marks the start of work for this iteration, once: at the loop's clock, which the first ready key after a wait
     * reads anew ({@code afterWait}); otherwise it is the end of the wait or of the last iteration.
     */
    private void startWork(boolean afterWait) {
        if (workStartNanos == 0) {
            if (afterWait) {
                clockNanos = System.nanoTime();
            }
            workStartNanos = clockNanos;
        }
    }

    /**
     * Whether a select that returned {@code selected} keys after {@code waitedNanos}, asked to wait up to
     * {@code timeoutMillis}, returned early with nothing to explain it (no key, no wakeup, no task). A pure reading:
     * the interrupt status is the caller's business.
     */
    boolean isPremature(int selected, long timeoutMillis, long waitedNanos) {
        if (selected > 0 || wakeupPending.get() || !tasks.isEmpty()) {
            return false;
        }
        long timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        return timeoutMillis == 0 || waitedNanos < timeoutNanos / 2;
    }

    private void onReady(SelectionKey key) {
        startWork(true);
        IoHandle handler = ((IoRegistration) key.attachment()).handle();
        long start = clockNanos;
        callbackNanos = start;
        try {
            if (ACCOUNTING) {
                stats.ioEvent();
            }
            handler.handleIo(key.readyOps());
        } catch (CancelledKeyException e) {
            // closed by an earlier callback in this iteration: nothing to do
        } catch (Throwable t) {
            try {
                handler.handleFailure(t);
            } catch (Throwable again) {
                LOG.log(Level.WARNING, "failure handler threw on " + name, again);
            }
        } finally {
            long end = System.nanoTime();
            clockNanos = end;
            if (ACCOUNTING) {
                stats.recordCallback(end - start, handler);
            }
        }
    }

    private void runTimers() {
        long now = clockNanos;
        Scheduled due;
        while ((due = timers.pollDue(now)) != null) {
            runGuarded(due.task, -1);
        }
    }

    private void runTasks() {
        Task task;
        int run = 0;
        while (run < MAX_TASKS_PER_ITERATION && (task = tasks.poll()) != null) {
            run++;
            pendingTasks.decrementAndGet();
            runGuarded(task.runnable, ACCOUNTING ? clockNanos - task.postedNanos : -1);
        }
    }

    private void runGuarded(Runnable r, long latencyNanos) {
        long start = clockNanos;
        callbackNanos = start;
        try {
            r.run();
        } catch (Throwable t) {
            LOG.log(Level.WARNING, "task threw on " + name, t);
        } finally {
            long end = System.nanoTime();
            clockNanos = end;
            if (ACCOUNTING) {
                stats.taskRun(latencyNanos);
                stats.recordCallback(end - start, r);
            }
        }
    }

    /**
     * Replaces the selector with a new one and moves every registration to it, behind the same
     * {@link IoRegistration} objects: the workaround for the epoll bug that makes a selector return at once forever,
     * after Netty's. The loop does it by itself after {@link #PREMATURE_RETURNS_BEFORE_REBUILD} early returns in a
     * row. A registration that cannot move (its channel was closed behind the loop's back) is void, and its owner is
     * told through {@link IoHandle#registrationLost}. Thread-safe: from another thread it is posted to the loop.
     */
    public void rebuildSelector() {
        if (inLoop()) {
            selector.rebuild("asked for");
        } else {
            execute(this::rebuildSelector);
        }
    }

    @Override
    public String toString() {
        return name;
    }

    private record Task(Runnable runnable, long postedNanos) {
    }
}
