// Package layout holds no code: its test enforces the import rules that
// make the tree show the flow (docs/design.md §17). The planner stays pure,
// the vocabulary of plans stays a leaf, the drivers and the safety rules
// import only that leaf, and only the wiring imports both a driver and the
// controller.
package layout
