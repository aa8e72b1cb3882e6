package io.evbase.server;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The deployable: the evbase server with its built-in protocols, configured from {@code application.yml} in the
 * working directory (the repository's top-level file, the image's {@code /app/config}), with the actuator on the
 * management port. The library carries no configuration of its own; this is the only place the server's
 * defaults come from.
 *
 * <p>In a package of its own: it component-scans only {@code io.evbase.server}, and no application that uses the
 * library scans it.
 *
 * <p>Threading: started once, from {@code main}; Spring Boot runs the rest.
 */
@SpringBootApplication
public class EvbaseApplication {

    public static void main(String[] args) {
        SpringApplication.run(EvbaseApplication.class, args);
    }
}
