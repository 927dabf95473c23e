package dev.weft.examples; public final class Placeholder { private Placeholder() {} }
