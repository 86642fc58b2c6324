"""Models built from the layers in `cs231n.layers`; import them from their module
(`from cs231n.classifiers.cnn import ThreeLayerConvNet`)."""
