package io.evbase.boot;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The deployable: the evbase server with its default handlers, configured from {@code application.yml} in the
 * working directory, with the actuator on the management port.
 */
@SpringBootApplication
public class EvbaseApplication {

    public static void main(String[] args) {
        SpringApplication.run(EvbaseApplication.class, args);
    }
}
