package dev.weft.examples;

/** Temporary launcher. */
public final class Main {
    private Main() {
    }

    /**
     * Runs the tour.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        int code = new Tour(System.out, false).run();
        System.exit(code);
    }
}
