print("inferno-controller")
