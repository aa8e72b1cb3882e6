/**
 * The event loops: {@link io.evbase.loop.EventBase} (one thread, one selector, timers and a task queue), the
 * {@link io.evbase.loop.IoRegistration} it hands out for each registered channel and the
 * {@link io.evbase.loop.IoHandle} it calls back (the selector and the registrations on it are kept by the
 * package-private {@code LoopSelector}), {@link io.evbase.loop.EventBaseGroup} (the workers and the
 * {@link io.evbase.loop.Dispatch} policy that picks one per connection) and their load accounting:
 * {@link io.evbase.loop.LoopStats} (kept by each loop, with the moving average dispatch steers by),
 * {@link io.evbase.loop.LoopSampler} (load windows, the task latency window and the second-by-second
 * {@link io.evbase.loop.LoadHistory}, on a thread of its own) and
 * {@link io.evbase.loop.StallWatchdog} (stall detection, on a thread of its own). Knows nothing of sockets' meaning,
 * protocols, Spring or Micrometer.
 */
package io.evbase.loop;
