package dev.walship.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Collects configuration problems so that all of them are reported at once instead of one per run. */
final class Problems {
    private final List<String> list = new ArrayList<>();
    private final Set<String> blamed = new HashSet<>();

    /**
     * Adds a problem unless that key path already has one: the first is the cause (e.g. an unset variable), later
     * ones would be its echoes, and a bad shared default would otherwise be reported once per database.
     */
    void add(String keyPath, String what) {
        if (blamed.add(keyPath)) {
            list.add(keyPath + ": " + what);
        }
    }

    /** Adds a problem if {@code what} is not null, which is how {@link Rules} says "fine". */
    void check(String keyPath, String what) {
        if (what != null) {
            add(keyPath, what);
        }
    }

    void addAll(List<String> lines) {
        for (String line : lines) {
            if (!list.contains(line)) {
                list.add(line);
            }
        }
    }

    boolean isEmpty() {
        return list.isEmpty();
    }

    int size() {
        return list.size();
    }

    List<String> list() {
        return List.copyOf(list);
    }

    void throwIfAny() throws ConfigException {
        if (!list.isEmpty()) {
            throw new ConfigException(list);
        }
    }

    /** For record constructors, which cannot declare checked exceptions. */
    void throwUncheckedIfAny() {
        if (!list.isEmpty()) {
            throw new IllegalArgumentException(String.join("\n", list));
        }
    }
}
