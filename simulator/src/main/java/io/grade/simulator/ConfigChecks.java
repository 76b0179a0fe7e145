package io.grade.simulator;

import java.util.List;

/** Validation of world recipes: each failure names the field. */
final class ConfigChecks {

    private ConfigChecks() {}

    static void requireDistinct(String name, List<String> values) {
        if (values.stream().distinct().count() != values.size()) {
            throw new IllegalArgumentException(name + " must be distinct, got " + values);
        }
    }

    static void atLeast(String name, long v, long min) {
        if (v < min) {
            throw new IllegalArgumentException(name + " must be >= " + min + ", got " + v);
        }
    }

    static void nonNegative(String name, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(name + " must be finite and >= 0, got " + v);
        }
    }

    static void positive(String name, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(name + " must be finite and > 0, got " + v);
        }
    }

    static double[] nonNegativeVector(String name, double[] v, int n) {
        if (v == null || v.length != n) {
            throw new IllegalArgumentException(name + " must have " + n + " entries");
        }
        for (double x : v) {
            nonNegative(name + " entry", x);
        }
        return v.clone();
    }

    static double[] positiveVector(String name, double[] v, int n) {
        if (v == null || v.length != n) {
            throw new IllegalArgumentException(name + " must have " + n + " entries");
        }
        for (double x : v) {
            positive(name + " entry", x);
        }
        return v.clone();
    }
}
