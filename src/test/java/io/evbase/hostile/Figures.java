package io.evbase.hostile;

import java.util.Locale;

/** Prints the figure a hostile-client test measured, in one greppable form: {@code FIGURE <item>: <text>}. */
final class Figures {

    private Figures() {
    }

    static void print(String item, String format, Object... args) {
        System.out.println("FIGURE " + item + ": " + String.format(Locale.ROOT, format, args));
    }
}
