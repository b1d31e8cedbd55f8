"""The published figures of the worked w1/w2 example (seed 003), shared by its tests.

From ../shared/README.md, "seed 003 in full precision", and the tutorial's own
captions; every test of the example checks against these, never against
output the code produced before.
"""

OUTH = 0.5124973964842103
OUTO = 0.5637139161734462
E = 0.05654416508769998
DE_DW2 = -0.042386804424448137
DE_DW1 = -0.001033183875581653
W1_AFTER_ONE_STEP = 0.5009298654880235
W2_AFTER_ONE_STEP = 0.5381481239820033
# "The loop stops at iteration 813 with output 0.8900135, w1 0.8800250, w2 4.0056202."
FINAL_ITERATIONS = 813
FINAL_OUTO = 0.8900135
FINAL_W1 = 0.8800250
FINAL_W2 = 4.0056202

# The chain rule along each weight's path, as the tutorial multiplies it (6 decimals).
W2_CAPTION = "∂E/∂w2 = (-0.336286)(0.245941)(0.512497) = -0.042387"
W1_CAPTION = "∂E/∂w1 = (-0.336286)(0.245941)(0.5)(0.249844)(0.1) = -0.001033"
# The nodes the tutorial names; a backward pass over them has one step per node.
LABELLED = ("i1", "w1", "neth", "outh", "w2", "neto", "outo", "E")
