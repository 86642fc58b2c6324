# GENERATED for this assignment from assignment/cs231n/classifiers/__init__.py (convkit).
# Students: this file is provided complete; read it, you need not change it.
"""Models built from the layers in `cs231n.layers`; import them from their module
(`from cs231n.classifiers.cnn import ThreeLayerConvNet`)."""
