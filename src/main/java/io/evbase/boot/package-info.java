/**
 * Everything Spring: properties, auto-configuration, the lifecycle that starts and drains the server, and (with
 * the actuator) the reactor endpoint, health and meters. The core packages know nothing of this one.
 */
package io.evbase.boot;
