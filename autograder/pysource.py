"""Reading Python source with `ast`, never running it: what the release and the grader share."""

import ast


def functions_of(tree):
    """(qualified name, FunctionDef) of every function and method of a module, nested ones too.

    Names are qualified as Python does ("Solver._step", "outer.inner"), in
    source order.
    """
    found = []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                found.append((prefix + child.name, child))
                visit(child, prefix + child.name + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + ".")
            else:
                visit(child, prefix)

    visit(tree, "")
    return found
