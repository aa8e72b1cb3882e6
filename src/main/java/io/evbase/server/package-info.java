/**
 * The deployable server ({@code target/evbase.jar}): only its main class. Everything it runs comes from the
 * library's auto-configuration in {@code io.evbase.boot}.
 */
package io.evbase.server;
