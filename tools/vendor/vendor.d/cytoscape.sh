# Cytoscape.js draws the patient's circle of care as a graph (patients/circle page).
mkdir -p "$out/cytoscape"
cp "$m/cytoscape/dist/cytoscape.min.js" "$out/cytoscape/"
cp "$m/cytoscape/LICENSE" "$out/cytoscape/LICENSE"
