package dev.walship.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Expands {@code ${VAR}} and {@code ${VAR:-default}} in string values ({@code $${} writes a literal {@code ${}).
 * As in the shell, {@code :-} also applies when the variable is set but empty. Problems name the variable,
 * never a value.
 */
final class EnvExpander {
    private EnvExpander() {
    }

    /** Expands every string value in the tree in place; keys are left alone. */
    static void expandTree(JsonNode node, String path, Map<String, String> env, Problems problems) {
        if (node instanceof ObjectNode) {
            ObjectNode obj = (ObjectNode) node;
            List<String> names = new ArrayList<>();
            obj.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                String key = path.isEmpty() ? name : path + "." + name;
                JsonNode child = obj.get(name);
                if (child.isTextual()) {
                    obj.set(name, TextNode.valueOf(expand(child.textValue(), env, key, problems)));
                } else {
                    expandTree(child, key, env, problems);
                }
            }
        } else if (node instanceof ArrayNode) {
            ArrayNode array = (ArrayNode) node;
            for (int i = 0; i < array.size(); i++) {
                String key = path + "[" + i + "]";
                JsonNode child = array.get(i);
                if (child.isTextual()) {
                    array.set(i, TextNode.valueOf(expand(child.textValue(), env, key, problems)));
                } else {
                    expandTree(child, key, env, problems);
                }
            }
        }
    }

    /** Expands one string; on a problem it records it and leaves that reference unexpanded. */
    static String expand(String text, Map<String, String> env, String keyPath, Problems problems) {
        if (text.indexOf('$') < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '$' && text.startsWith("$${", i)) {
                out.append("${");
                i += 3;
            } else if (c == '$' && text.startsWith("${", i)) {
                int close = text.indexOf('}', i + 2);
                if (close < 0) {
                    problems.add(keyPath, "unclosed ${ (close it with }, or write $${ for a literal ${)");
                    return text;
                }
                String body = text.substring(i + 2, close);
                int sep = body.indexOf(":-");
                String name = sep < 0 ? body : body.substring(0, sep);
                if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                    problems.add(keyPath, "invalid variable reference \"${" + body
                            + "}\" (names are letters, digits and _; write $${ for a literal ${)");
                    return text;
                }
                String value = env.get(name);
                if (sep >= 0 && (value == null || value.isEmpty())) {
                    value = body.substring(sep + 2);
                }
                if (value == null) {
                    problems.add(keyPath, "environment variable " + name + " is not set (set it, or give a default"
                            + " with ${" + name + ":-default})");
                    return text;
                }
                out.append(value);
                i = close + 1;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }
}
