const token = "your_access_token_here";
const room = "general";
const ws = new WebSocket(`ws://localhost:8000/chat/ws/${room}?token=${token}`);

ws.onopen = () => {
  console.log("Connected to chat room");

  // Send a message
  ws.send(JSON.stringify({
    content: "Hello everyone!"
  }));
};

ws.onmessage = (event) => {
  const data = JSON.parse(event.data);
  console.log("Received:", data);

  if (data.type === "message") {
    console.log(`${data.username}: ${data.content}`);
  } else if (data.type === "system") {
    console.log(`[System] ${data.content}`);
  }
};

ws.onerror = (error) => {
  console.error("WebSocket error:", error);
};

ws.onclose = () => {
  console.log("Disconnected from chat room");
};
