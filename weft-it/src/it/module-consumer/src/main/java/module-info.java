/** A program that uses weft as a module. */
module example.app {
    requires dev.weft;
}
