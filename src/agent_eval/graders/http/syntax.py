"""Small readers over tree-sitter nodes shared by the HTTP facts: callee names, arguments, literals."""

from __future__ import annotations

from tree_sitter import Node

from agent_eval.graders.parsing import ParsedResponse, TsUnit

FUNCTION_TYPES = ("function_declaration", "function_expression", "arrow_function", "method_definition")


_CALLEE_WRAPPERS = frozenset(
    {"await_expression", "parenthesized_expression", "non_null_expression", "instantiation_expression"}
)


def parameter_names(unit: TsUnit, parameters: Node | None) -> list[str]:
    if parameters is None:
        return []
    if parameters.type == "identifier":
        return [unit.text(parameters)]
    names = []
    for parameter in parameters.named_children:
        pattern = parameter.child_by_field_name("pattern") or parameter
        names.append(unit.text(pattern))
    return names


def string_value(unit: TsUnit, node: Node | None) -> str | None:
    """The value of a string literal or a template literal without substitutions."""
    if node is None:
        return None
    if node.type == "string":
        return unit.text(node)[1:-1]
    if node.type == "template_string" and not any(
        c.type == "template_substitution" for c in node.named_children
    ):
        return unit.text(node)[1:-1]
    return None


def enclosing(node: Node, *types: str, stop: Node | None = None) -> Node | None:
    current = node.parent
    while current is not None and (stop is None or current.id != stop.id):
        if current.type in types:
            return current
        current = current.parent
    return None


def function_name(unit: TsUnit, function: Node) -> str:
    """A function's own name, or the variable it is assigned to (`const list = async () => …`); "" if none."""
    name_node = function.child_by_field_name("name")
    if name_node is None and function.parent is not None and function.parent.type == "variable_declarator":
        name_node = function.parent.child_by_field_name("name")
    return unit.text(name_node)


def call_arguments(call: Node) -> list[Node]:
    arguments = call.child_by_field_name("arguments")
    if arguments is None or arguments.type != "arguments":
        return []
    return list(arguments.named_children)


def callee_parts(unit: TsUnit, call: Node) -> tuple[str, str]:
    """(object text, property) for `obj.prop(...)`; ("", name) for `name(...)`."""
    function = call.child_by_field_name("function") or call.child_by_field_name("constructor")
    while function is not None and function.type in _CALLEE_WRAPPERS and function.named_children:
        # `await pool.query<T>(…)` parses as a call of an await; `prisma.$queryRaw<T>\`…\`` as a call of an
        # instantiation (expression, then its type arguments)
        index = 0 if function.type == "instantiation_expression" else -1
        function = function.named_children[index]
    if function is None:
        return "", ""
    if function.type == "member_expression":
        return unit.text(function.child_by_field_name("object")), unit.text(
            function.child_by_field_name("property")
        )
    return "", unit.text(function)


def function_named(response: ParsedResponse, name: str) -> tuple[TsUnit, Node] | None:
    """A function declared in any block as `function name` or `const name = (…) =>`."""
    for unit in response.ts_units:
        for declaration in unit.of_type("function_declaration"):
            if unit.text(declaration.child_by_field_name("name")) == name:
                return unit, declaration
        for declarator in unit.of_type("variable_declarator"):
            value = declarator.child_by_field_name("value")
            if (
                value is not None
                and value.type in FUNCTION_TYPES
                and unit.text(declarator.child_by_field_name("name")) == name
            ):
                return unit, value
    return None


def contains(outer: Node, node: Node) -> bool:
    """Whether `node` lies within `outer` (same tree)."""
    return outer.start_byte <= node.start_byte and node.end_byte <= outer.end_byte
