package io.evbase.support;

import java.util.Locale;

/**
 * Prints a figure a test measured, in one greppable form: {@code FIGURE <item>: <text>}. The figures are the only
 * lines the tests print into a green build's log.
 */
public final class Figures {

    private Figures() {
    }

    public static void print(String item, String format, Object... args) {
        System.out.println("FIGURE " + item + ": " + String.format(Locale.ROOT, format, args));
    }
}
