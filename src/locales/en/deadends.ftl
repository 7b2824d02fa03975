# No dead ends: a way on from every stop

# The confirm step and the payment
button-continue = ▶️ Continue your photoshoot

# A photoshoot or a style preview that failed
button-try-again = 🔁 Try again
button-analyse-again = 🔁 Analyse again
try-again-used = You already tried this photoshoot again: its buttons are under the newer message.
failure-new-photo = 📷 Trying again with this photo will not help: send another photo to start a new photoshoot.

# Leaving a question
button-cancel-question = ✖️ Cancel
cancelled-style-name = ✖️ Cancelled: the name for the saved style.
cancelled-paysupport = ✖️ Cancelled: your payment support message.
question-closed = This question is already closed.
cancel-nothing = There is no photoshoot to cancel, and I am not waiting for an answer from you.
