/**
 * Hostile clients against the deployable server in a child JVM at {@code -Xmx512m} with the default store:
 * values declared and never sent, a multiget of one large value hundreds of times, non-reading clients, keys built
 * to collide, connections left idle after a maximal request; a well-behaved bystander on the side must see nothing
 * wrong. Each test prints its figures as {@code FIGURE} lines. They run in the {@code hostile} Maven profile
 * ({@code ./mvnw -Phostile test}, a separate block of {@code .ci/run}), not in the default build.
 */
package io.evbase.hostile;
