# GENERATED for this assignment from assignment/cs231n/__init__.py (convkit).
# Students: this file is provided complete; read it, you need not change it.
"""convkit's `cs231n` package: the numpy library students complete in the ConvNets assignment.

Import the modules you need (`from cs231n.layers import conv_forward_naive`); nothing is
imported here, so a module that is not implemented yet never stops the others from loading.
"""
